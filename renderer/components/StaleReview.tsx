// The last review does not show everything any more: files were imported or removed after it, or settings it ran
// with have changed. Every review step says so above its figures and offers to run the review again.
import { useState } from 'react';
import { PlayCircle, RefreshCw } from 'lucide-react';
import { api } from '../api/client';
import { runReviewJob, useApp } from '../store';
import { ProgressBar, useJob } from './ui';

export function StaleReview({ changed }: { changed: readonly ('data' | 'settings')[] }) {
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const [job, setJob] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const event = useJob(job);
  const what =
    changed.includes('data') && changed.includes('settings')
      ? 'The data and the settings changed since the last review'
      : changed.includes('data')
        ? 'The data changed since the last review (files imported or removed)'
        : 'Settings changed since the last review';
  async function run() {
    setError(null);
    setError((await runReviewJob(setJob)).error);
  }
  return (
    <div className="alert warn" role="status" aria-label="Review out of date">
      <RefreshCw size={18} aria-hidden />
      <div className="alert-body">
        <strong>{what}.</strong> The figures below are the last review's; run it again to include the changes.
        {error && <div>{error}</div>}
        {job ? (
          <ProgressBar label="Running the review" event={event} onCancel={() => void api('job.cancel', { jobId: job })} />
        ) : (
          !readOnly && (
            <div className="actions-row">
              <button type="button" className="btn" onClick={() => void run()}><PlayCircle size={16} aria-hidden /> Run the review</button>
            </div>
          )
        )}
      </div>
    </div>
  );
}
