// The SSE clients of bench/events.ts, in a process of their own (forked with IPC) so that reading the feed does not
// share an event loop with the load that produces it. Env: BENCH_URL, BENCH_TOKEN, BENCH_CLIENTS, BENCH_AFTER.
// Each client follows GET /events from BENCH_AFTER; the parent asks for {type: 'report'} and gets per-client counts,
// order checks and the lag (receipt - the event's created_at) of every event.

interface ClientStats {
  events: number;
  lastId: number;
  outOfOrder: number;
  firstAt: number;
  lastAt: number;
  lags: number[];
}

const url = process.env['BENCH_URL']!;
const token = process.env['BENCH_TOKEN']!;
const clients = Number(process.env['BENCH_CLIENTS'] ?? 10);
const after = process.env['BENCH_AFTER'] ?? '0';
const stats: ClientStats[] = [];
const stop = new AbortController();
let connected = 0;

// The event's JSON starts with {"id":"..","type":"..","created_at":"..": read those without parsing the whole job.
const HEAD = /^\{"id":"(\d+)","type":"[^"]*","created_at":"([^"]+)"/;

async function follow(s: ClientStats): Promise<void> {
  const res = await fetch(`${url}/events`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, 'last-event-id': after },
    signal: stop.signal,
  });
  if (!res.ok) throw new Error(`GET /events: ${res.status} ${await res.text()}`);
  if (++connected === clients) process.send!({ type: 'ready' });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('data: ')) continue;
      const m = HEAD.exec(line.slice(6));
      if (!m) throw new Error(`unexpected event line: ${line.slice(0, 200)}`);
      const now = Date.now();
      const id = Number(m[1]);
      if (id <= s.lastId) s.outOfOrder++;
      s.lastId = id;
      if (s.events === 0) s.firstAt = now;
      s.lastAt = now;
      s.events++;
      s.lags.push(now - Date.parse(m[2]!));
    }
  }
}

for (let i = 0; i < clients; i++) {
  const s: ClientStats = { events: 0, lastId: Number(after), outOfOrder: 0, firstAt: 0, lastAt: 0, lags: [] };
  stats.push(s);
  follow(s).catch((err: Error) => {
    if (!stop.signal.aborted) process.send!({ type: 'error', message: err.message });
  });
}

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'report') {
    process.send!({ type: 'report', clients: stats.map((s) => ({ ...s, lags: s.lags })) });
  } else if (msg.type === 'stop') {
    stop.abort();
    setTimeout(() => process.exit(0), 100);
  }
});
