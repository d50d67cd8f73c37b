// Multiply with a broadcast row (see binaryRow.ts).
import { binaryRowKernel } from './binaryRow';

export const multiplyConfig = binaryRowKernel('Multiply');
