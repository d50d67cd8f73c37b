/**
 * The settings of the keyword-spotting audio front end (src/data/kwsFrontEnd.ts computes the
 * features; the TFLM module's model_settings.h lists them for the firmware), and the studio's
 * defaults: 1 s clips at 16 kHz, 30 ms frames every 20 ms, 512-point FFT, 40 mel bands from
 * 20 Hz to 4 kHz, 10 MFCCs.
 */

export interface KwsFrontEndConfig {
  sampleRate: number;
  clipSamples: number;
  windowSamples: number;
  hopSamples: number;
  fftSize: number;
  melBands: number;
  lowHz: number;
  highHz: number;
  mfccCount: number;
  /** Added before the log so silence stays finite. */
  logOffset: number;
}

export const DEFAULT_KWS_CONFIG: Readonly<KwsFrontEndConfig> = {
  sampleRate: 16000,
  clipSamples: 16000,
  windowSamples: 480,
  hopSamples: 320,
  fftSize: 512,
  melBands: 40,
  lowHz: 20,
  highHz: 4000,
  mfccCount: 10,
  logOffset: 1e-6,
};
