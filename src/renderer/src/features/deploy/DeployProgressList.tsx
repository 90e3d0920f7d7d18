import { useTranslation } from 'react-i18next';
import { deploySteps } from '../../../../shared/deploy-steps';
import { ImageUploadProgress } from './ImageUploadProgress';
import type { OperationProgress } from './use-operation-progress';

// Every step but the last ('done', shown as the success banner).
const shown = deploySteps.slice(0, -1);

type Outcome = 'running' | 'succeeded' | 'failed';
const mark = { done: '✓', current: '…', failed: '✗', todo: '' } as const;

/** The deploy's steps in order, each ticked as the server moves past it. */
export function DeployProgressList({ progress, outcome }: { progress: OperationProgress; outcome: Outcome }) {
  const { t } = useTranslation();
  const currentIndex = progress.current ? shown.indexOf(progress.current.step as (typeof shown)[number]) : -1;

  const stateOf = (i: number): keyof typeof mark => {
    if (outcome === 'succeeded' || i < currentIndex) return 'done';
    if (i === currentIndex || (currentIndex === -1 && i === 0))
      return outcome === 'failed' ? 'failed' : 'current';
    return 'todo';
  };

  return (
    <ol className="deploy-steps" aria-label={t('deploy.stepsLabel')}>
      {shown.map((step, i) => {
        const state = stateOf(i);
        const event = progress.steps.get(step);
        return (
          <li key={step} className={`deploy-step ${state}`} data-deploy-step={step} data-state={state}>
            <span className="deploy-mark" aria-hidden="true">
              {mark[state]}
            </span>
            <span>
              {t(`deploy.steps.${step}`)}
              <span className="visually-hidden"> — {t(`deploy.stepState.${state}`)}</span>
            </span>
            {step === 'image' && event && state === 'current' && (event.total ?? 0) > 1 && (
              <ImageUploadProgress event={event} rate={progress.rate} />
            )}
            {event?.message && state !== 'todo' && step !== 'image' && (
              <span className="muted small deploy-message">{event.message}</span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
