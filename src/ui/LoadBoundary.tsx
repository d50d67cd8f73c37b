import { Component, type ReactNode } from 'react';

interface LoadBoundaryProps {
  /** What failed to load, for the message: "the saved runs' chart". */
  what: string;
  children: ReactNode;
}

/**
 * Keeps a part of the page that is loaded on demand (a lazy chunk) from taking the page down
 * when it cannot load, e.g. when the site was redeployed under an open tab and the old chunk is
 * gone: it says what is missing and how to get it back, and the rest of the page stays.
 */
export class LoadBoundary extends Component<LoadBoundaryProps, { failed?: string }> {
  override state: { failed?: string } = {};

  static getDerivedStateFromError(error: unknown) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }

  override render() {
    if (this.state.failed === undefined) return this.props.children;
    return (
      <p className="error-text" role="status" data-testid="load-failed">
        {`${this.props.what[0].toUpperCase()}${this.props.what.slice(1)} could not be loaded (${this.state.failed.replace(/[.\s]+$/, '')}). Reload the page to see it; nothing else is affected.`}
      </p>
    );
  }
}
