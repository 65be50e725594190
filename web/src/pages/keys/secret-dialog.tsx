import { useId } from 'react';
import type { NewProjectKey } from '../../api/types';
import { Button, CopyButton, Dialog } from '../../components/ui';

/** The secret, shown exactly once: the server never returns it again. */
export function SecretDialog({ created, onDone }: { created: NewProjectKey | null; onDone(): void }) {
  const id = useId();
  return (
    <Dialog
      open={created !== null}
      onOpenChange={(open) => !open && onDone()}
      title="Save your key"
      description="Please save this secret key somewhere safe and accessible. For security reasons, you won't be able to view it again through your Tollgate account. If you lose this secret key, you'll need to generate a new one."
    >
      {created ? (
        <div className="form">
          <div className="field">
            <label htmlFor={id}>Secret key</label>
            <div className="inline">
              <input id={id} readOnly value={created.value} className="mono" onFocus={(e) => e.currentTarget.select()} />
              <CopyButton text={created.value} />
            </div>
          </div>
          <div className="dialog-actions">
            <Button variant="primary" onClick={onDone}>
              Done
            </Button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
