// Sum over a contiguous block of axes (see reduce.ts).
import { reduceKernel } from './reduce';

export const sumConfig = reduceKernel('Sum');
