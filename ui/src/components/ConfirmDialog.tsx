import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { ProblemAlert } from './ProblemAlert';

/**
 * A button that opens a modal confirmation (the native <dialog>: focus moves into it, Escape closes it, the rest
 * of the page is inert, and focus returns to the button afterwards). The action runs only on "confirm"; its error
 * is shown in the dialog, which stays open so the user can read it.
 */
export function ConfirmButton({ label, title, children, confirmLabel, danger, onConfirm, disabled }: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => Promise<void>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setOpen(false);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className={danger ? 'button danger' : 'button'} onClick={() => { setError(undefined); setOpen(true); }} disabled={disabled}>
        {label}
      </button>
      <dialog ref={ref} aria-labelledby={titleId} aria-describedby={bodyId} onClose={() => setOpen(false)} className="dialog">
        {open && (
          <form method="dialog" onSubmit={(e) => { e.preventDefault(); void confirm(); }}>
            <h2 id={titleId}>{title}</h2>
            <div id={bodyId}>{children}</div>
            <ProblemAlert error={error} />
            <div className="dialog-actions">
              <button type="button" className="button" onClick={() => setOpen(false)} autoFocus>Go back</button>
              <button type="submit" className={danger ? 'button danger' : 'button primary'} disabled={busy} aria-busy={busy}>
                {busy ? 'Working…' : confirmLabel}
              </button>
            </div>
          </form>
        )}
      </dialog>
    </>
  );
}
