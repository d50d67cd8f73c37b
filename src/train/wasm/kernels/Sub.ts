// Sub with a broadcast row (see binaryRow.ts).
import { binaryRowKernel } from './binaryRow';

export const subConfig = binaryRowKernel('Sub');
