/**
 * The upload formats the data layer reads, as the page offers them and the worker protocol
 * carries them (one vocabulary; the protocol re-exports it).
 */
export type UploadFormat = 'image-folder' | 'cifar10' | 'mnist-idx' | 'wav-folder';
