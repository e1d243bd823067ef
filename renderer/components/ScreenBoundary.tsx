// A fault while drawing one screen shows a message on that screen, not a blank window: the navigation and
// the engagement stay usable, and the analyst can try the screen again or reload the app.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { AlertTriangle, RotateCcw } from 'lucide-react';

interface Props {
  /** Changing it (another step, another pack) clears the fault. */
  resetKey: string;
  children: ReactNode;
}
interface State {
  error: Error | null;
  key: string;
}

export class ScreenBoundary extends Component<Props, State> {
  override state: State = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    // The console keeps the component stack for a bug report; the screen says what to do.
    console.error(`LRT Workbench: this screen failed to draw: ${error.message}${info.componentStack ?? ''}`);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="page">
        <div className="alert error" role="alert" aria-label="Screen error">
          <AlertTriangle size={18} aria-hidden />
          <div className="alert-body">
            <strong>This screen could not be drawn.</strong> Your engagement is unchanged: everything saved so far is kept. Try the screen again, or reload the app (if the app was just updated, a reload loads the matching screens).
            <div className="muted small">Detail for a bug report: {error.message}</div>
            <div className="actions-row">
              <button type="button" className="btn" onClick={() => this.setState({ error: null })}><RotateCcw size={16} aria-hidden /> Try again</button>
              <button type="button" className="btn" onClick={() => location.reload()}>Reload the app</button>
            </div>
          </div>
        </div>
      </div>
    );
  }
}
