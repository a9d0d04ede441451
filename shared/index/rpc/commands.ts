// Command numbers of the index protocol. Append only; never renumber (they are on the wire).
export const MAGIC = 0x52; // 'R'

export const KIND = { request: 0, response: 1, error: 2, oneWay: 3 } as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

export const CMD = {
  ping: 0,
  findNode: 1,
  findValue: 2,
  putWalk: 3,
  store: 4,
  remove: 5,
  app: 6,
  leave: 7,
} as const;
export type Command = (typeof CMD)[keyof typeof CMD];

export const COMMAND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CMD).map(([k, v]) => [v, k]));

/** Result codes of a STORE. */
export const STORE_STATUS = { stored: 0, fullAndLoaded: 1, refused: 2 } as const;

/** Flag bits of a PUT_WALK reply. */
export const WALK_FLAGS = { fullAndLoaded: 1 } as const;
