import net from 'node:net';

/**
 * Holds a TCP port from the very start of `serve` until the HTTP server takes it over, so that a port already in
 * use is reported before anything else happens (no data dir created, no admin token minted and printed) and no
 * other process can take it while the server starts. Port 0 (any free port) needs no reservation.
 */
export interface PortReservation {
  /** Frees the port for the real listener (call right before it listens). */
  release(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly what: string, readonly host: string, readonly port: number, hint: string) {
    super(`${what}: ${host}:${port} is already in use (EADDRINUSE); stop what listens there, or ${hint}`);
    this.name = 'PortInUseError';
  }
}

export async function reservePort(what: string, host: string, port: number, hint: string): Promise<PortReservation> {
  if (port === 0) return { release: async () => {} };
  const server = net.createServer();
  // The reservation accepts nothing: a client that connects this early is dropped, as if nobody listened yet.
  server.on('connection', (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(what, host, port, hint));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`${what}: ${host} is not an address of this machine (EADDRNOTAVAIL)`));
      else if (err.code === 'EACCES') reject(new Error(`${what}: no permission to listen on ${host}:${port} (EACCES); ports below 1024 need privileges`));
      else reject(err);
    });
    // exclusive: a clustered worker must not share the handle of a primary that happens to hold the port.
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  let released: Promise<void> | undefined;
  return {
    release: () => (released ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
