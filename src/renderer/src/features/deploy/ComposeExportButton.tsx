import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useExportCompose } from '../../queries/deploy';

/** Saves the stack as a docker-compose.yml, for an owner who wants to run it without Facteur. */
export function ComposeExportButton({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const exportCompose = useExportCompose();
  const download = () =>
    exportCompose.mutate(serverId, {
      onSuccess: ({ fileName, content }) => {
        const url = URL.createObjectURL(new Blob([content], { type: 'application/yaml' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = fileName;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      },
    });
  return (
    <>
      <button type="button" onClick={download} disabled={exportCompose.isPending}>
        {t('deploy.exportCompose')}
      </button>
      {exportCompose.error && (
        <p className="banner error" role="alert">
          {describeError(t, exportCompose.error)}
        </p>
      )}
    </>
  );
}
