/**
 * Saving bytes as a file from the page: the one place the state layer touches the DOM for a
 * download. The store never calls it itself: browserEnvironment.ts hands it in as
 * `StudioEnvironment.download` (tests pass a recorder instead).
 */
export type Download = (filename: string, mime: string, bytes: ArrayBuffer) => void;

/** How long a download's object URL lives: long enough for the browser to start reading it. */
const REVOKE_AFTER_MS = 10_000;

export const downloadInPage: Download = (filename, mime, bytes) => {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
};
