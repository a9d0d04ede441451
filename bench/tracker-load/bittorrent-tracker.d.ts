// The part of bittorrent-tracker's (untyped) Server the bench uses.
declare module 'bittorrent-tracker' {
  export class Server {
    constructor(opts: { udp?: boolean; http?: boolean; ws?: boolean; stats?: boolean });
    listen(port: number, host: string, cb: () => void): void;
    on(event: string, fn: (e: unknown) => void): void;
    http: { address(): { port: number } };
  }
}
