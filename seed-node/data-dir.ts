// What a seed keeps across restarts: its node id (so it rejoins as itself) and its routing contacts
// (so it rejoins fast, without depending on the bootstrap list). Writes are atomic (temp file + rename).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class SeedDataDir {
  constructor(readonly path: string) {}

  async init(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: 0o700 });
  }

  /** The persisted 160-bit node id, created on first start. */
  async nodeId(): Promise<Uint8Array> {
    const file = join(this.path, 'node-id');
    try {
      const hex = (await readFile(file, 'utf8')).trim();
      if (/^[0-9a-f]{40}$/.test(hex)) return Uint8Array.from(Buffer.from(hex, 'hex'));
    } catch {
      /* first start */
    }
    const id = new Uint8Array(randomBytes(20));
    await this.writeAtomic('node-id', Buffer.from(id).toString('hex') + '\n');
    return id;
  }

  async loadContacts<T>(): Promise<T[]> {
    try {
      const parsed = JSON.parse(await readFile(join(this.path, 'contacts.json'), 'utf8'));
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  async saveContacts(contacts: unknown[]): Promise<void> {
    await this.writeAtomic('contacts.json', JSON.stringify(contacts));
  }

  private async writeAtomic(name: string, text: string): Promise<void> {
    const tmp = join(this.path, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, join(this.path, name));
  }
}
