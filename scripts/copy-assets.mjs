// tsc compiles TypeScript only; the SQL migrations are read at run time from beside the compiled store module.
import { cpSync } from 'node:fs';
cpSync('src/store/migrations', 'dist/store/migrations', { recursive: true });
