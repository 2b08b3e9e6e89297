// Regenerates docs/api.md, docs/state-machine.md and docs/errors.md from the code (npm run docs).
import { writeFile } from 'node:fs/promises';
import { buildApp } from '../src/api/app.js';
import { PgliteDb } from '../src/store/db/pglite.js';
import { migrate } from '../src/store/migrate.js';
import { renderApi } from '../src/docs/render-api.js';
import { renderErrors } from '../src/docs/render-errors.js';
import { renderStateMachine } from '../src/docs/render-state-machine.js';

const db = await PgliteDb.open();
await migrate(db);
const app = await buildApp({ db });
await app.ready();
await writeFile('docs/api.md', renderApi(app.swagger() as never));
await writeFile('docs/state-machine.md', renderStateMachine());
await writeFile('docs/errors.md', renderErrors());
await app.close();
await db.close();
