// Bytes uploaded to peers in the current calendar month (UTC), persisted in the offscreen document's localStorage:
// synchronous, so the engine's stats callback can add to it exactly, and it survives browser restarts.
export class MonthlyUploadCounter {
  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
    private readonly now: () => number,
  ) {}

  private key(): string {
    const d = new Date(this.now());
    return `reef-upload-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  }

  used(): number {
    return Number(this.storage.getItem(this.key()) ?? 0) || 0;
  }

  add(bytes: number): void {
    if (bytes > 0) this.storage.setItem(this.key(), String(this.used() + bytes));
  }
}
