// The pino-style logger the proxy writes to (pino satisfies it); silent by default.
export interface ProxyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ProxyLogger = { debug() {}, info() {}, warn() {}, error() {} };
