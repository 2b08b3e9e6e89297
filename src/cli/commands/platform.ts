import type { Command } from 'commander';
import { ENGINES, type Engine } from '../../core/engines.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { age, emit, table, type OutputFlags } from '../output.js';
import { oneOf } from '../parse.js';

type Flags = ApiFlags & OutputFlags;

const ENGINE_CHOICES: readonly Engine[] = ENGINES;

const output = (c: Command) => c
  .option('--json', 'print the API\'s JSON')
  .option('--field <path>', 'print one field of the JSON');

/** `jobplane executor list`, `jobplane plane list|create`: the registry of who runs jobs where. */
export function registerPlatform(program: Command): void {
  const executor = program.command('executor').description('the executors (operators) registered with the control plane');
  output(withApiOptions(executor.command('list').description('list registered executors')))
    .option('--data-plane <uuid>', 'only executors of this data plane')
    .action(async (o: Flags & { dataPlane?: string }) => {
      const { client } = await apiFrom(o);
      const list = await client.listExecutors(o.dataPlane ? { data_plane_id: o.dataPlane } : {});
      emit(list, o, () => list.records.length === 0 ? 'no executors' : table(
        ['id', 'name', 'status', 'types', 'slots', 'running', 'heartbeat', 'plane', 'pool'],
        list.records.map((e) => [e.id, e.name, e.status, e.types.join(','), e.slots, e.running_jobs, `${age(e.last_heartbeat_at)} ago`, e.data_plane_id, e.compute_pool_id]),
      ));
    });

  const plane = program.command('plane').description('data planes: where datasets live and jobs run');
  output(withApiOptions(plane.command('list').description('list data planes')))
    .action(async (o: Flags) => {
      const { client } = await apiFrom(o);
      const list = await client.listDataPlanes();
      emit(list, o, () => list.records.length === 0 ? 'no data planes' : table(
        ['id', 'name', 'engine', 'status', 'heartbeat', 'created'],
        list.records.map((p) => [p.id, p.display_name, p.engine, p.status, p.last_heartbeat_at ? `${age(p.last_heartbeat_at)} ago` : 'never', p.created_at]),
      ));
    });

  output(withApiOptions(plane.command('create').description('create a data plane; prints its id (run an operator for it to run jobs)')))
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>', 'a description')
    .option('--engine <engine>', `${ENGINE_CHOICES.join(' or ')} (default duckdb)`, oneOf('--engine', ENGINE_CHOICES))
    .option('--tag <tag...>', 'tags')
    .action(async (o: Flags & { name: string; description?: string; engine?: Engine; tag?: string[] }) => {
      const { client } = await apiFrom(o);
      const created = await client.createDataPlane({
        display_name: o.name, ...(o.description ? { description: o.description } : {}), ...(o.engine ? { engine: o.engine } : {}),
        ...(o.tag ? { tags: o.tag } : {}),
      });
      emit(created, o, () => created.id);
    });
}
