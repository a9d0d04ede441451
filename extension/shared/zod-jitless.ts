// zod 4 compiles validators with `new Function` when it can; extension pages forbid eval (CSP), and the probe
// alone shows up as a CSP violation. Import this module first wherever tracker messages are parsed.
import { z } from 'zod';

z.config({ jitless: true });
