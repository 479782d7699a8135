/**
 * The embedded PostgreSQL (PGlite) used when no DATABASE_URL is set. PGlite is a single-process
 * database, so the owning process serves it on a Unix socket inside DATA_DIR; every connection,
 * the owner's own included, goes through that socket, and a second process (the operator's CLI
 * while `npm start` runs) connects to it instead of opening the files a second time.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { AppError } from '../errors.ts';

export interface EmbeddedHandle {
  socketDir: string;
  port: number;
  /** Present when this process owns the database files; call to stop serving them. */
  close?: () => Promise<void>;
}

const PORT = 5432;
const socketPath = (dir: string) => path.join(dir, `.s.PGSQL.${PORT}`);

function canConnect(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const pidAlive = (pid: number) => {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
};

/** Takes DATA_DIR/yihao.lock, clearing it only if its owner process is gone. */
function acquireLock(lockFile: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(lockFile, 'utf8'));
      if (owner && pidAlive(owner)) return false;
      rmSync(lockFile, { force: true });
    }
  }
  return false;
}

/**
 * Opens the embedded database in `dataDir` (or an in-memory one when `dataDir` is null, for
 * tests), or joins the process that already serves it.
 */
export async function openEmbedded(dataDir: string | null, runDir: string): Promise<EmbeddedHandle> {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const sock = socketPath(runDir);
  if (sock.length > 100) throw new AppError('db.socket_path_too_long', `DATA_DIR path too long for a Unix socket: ${runDir}`);
  const lockFile = path.join(runDir, 'yihao.lock');

  if (!acquireLock(lockFile)) {
    if (await canConnect(sock)) return { socketDir: runDir, port: PORT };
    throw new AppError('db.embedded_locked',
      `the embedded database in ${runDir} is held by another process that is not serving it yet; try again in a moment`);
  }
  if (existsSync(sock)) rmSync(sock); // left by a process that died without cleaning up

  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dataDir ?? undefined);
  const server = new PGLiteSocketServer({ db, path: sock, maxConnections: 64 } as ConstructorParameters<typeof PGLiteSocketServer>[0]);
  await server.start();
  return {
    socketDir: runDir,
    port: PORT,
    close: async () => {
      await server.stop();
      await db.close();
      rmSync(sock, { force: true });
      rmSync(lockFile, { force: true });
    },
  };
}
