import type { ReactNode } from 'react';

export type StepState = 'todo' | 'done' | 'locked';

/** One numbered step of the setup page: a check mark once done, a plain reason while locked. */
export function WizardStep({
  id,
  number,
  title,
  state,
  lockedText,
  children,
}: {
  id: string;
  number: number;
  title: string;
  state: StepState;
  lockedText?: string;
  children?: ReactNode;
}) {
  return (
    <section
      className={`wizard-step ${state}`}
      aria-labelledby={`step-${id}`}
      data-step={id}
      data-state={state}
    >
      <h2 id={`step-${id}`}>
        <span className="step-number" aria-hidden="true">
          {state === 'done' ? '✓' : number}
        </span>
        {title}
      </h2>
      <div className="step-body">{state === 'locked' ? <p className="muted">{lockedText}</p> : children}</div>
    </section>
  );
}
