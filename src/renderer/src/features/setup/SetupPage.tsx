import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { deploymentInfoQuery, serverAccessQuery } from '../../queries/deploy';
import { serversQuery } from '../../queries/servers';
import { useRunPreflight } from '../../queries/preflight';
import { DeployPanel, mailHostOf, type MailNames } from '../deploy/DeployPanel';
import { CertificatePanel } from '../mailbox/CertificatePanel';
import { FirstMailboxPanel } from '../mailbox/FirstMailboxPanel';
import { DnsHandOver } from './DnsHandOver';
import { DockerStep } from './DockerStep';
import { PreflightResults } from './PreflightResults';
import { PrivilegesStep } from './PrivilegesStep';
import { WizardStep } from './WizardStep';

/**
 * The setup journey on one page, in numbered steps: check the server, administrator rights, Docker,
 * install Facteur, DNS, certificate, first mailbox. Later steps open once the earlier ones allow them.
 */
export function SetupPage({ onOpenDns }: { onOpenDns: () => void }) {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const preflight = useRunPreflight();
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';
  const info = useQuery(deploymentInfoQuery(selected));
  const [typedNames, setNames] = useState<MailNames | null>(null);
  const report = preflight.data?.serverId === selected ? preflight.data : undefined;
  const deployed = info.data?.deployed === true;
  const ready = report !== undefined || deployed;
  const access = useQuery({ ...serverAccessQuery(selected), enabled: ready && selected !== '' });

  if (servers.data?.length === 0) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">{t('setup.title')}</h1>
        <p className="empty">{t('setup.noServer')}</p>
      </section>
    );
  }
  const pickServer = (id: string) => {
    setServerId(id);
    setNames(null);
    preflight.reset();
  };
  const names = typedNames ?? { domain: info.data?.domain ?? '', hostname: info.data?.hostname ?? '' };
  const dockerCheck = report?.checks.find((c) => c.id === 'docker');
  const privileged = ['root', 'passwordless', 'password-known'].includes(access.data?.privileges ?? '');
  const lockedBeforeCheck = t('wizard.lockedCheck');
  const lockedBeforeDeploy = t('wizard.lockedDeploy');

  return (
    <section aria-labelledby="page-title" className="wizard">
      <h1 id="page-title">{t('setup.title')}</h1>
      <p className="muted">{t('wizard.intro')}</p>
      <div className="toolbar">
        <label htmlFor="setup-server">{t('setup.server')}</label>
        <select id="setup-server" value={selected} onChange={(e) => pickServer(e.target.value)}>
          {servers.data?.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>

      <WizardStep
        id="check"
        number={1}
        title={t('wizard.check')}
        state={report && !report.checks.some((c) => c.status === 'fail') ? 'done' : 'todo'}
      >
        <p className="muted">{t('setup.intro')}</p>
        <button
          type="button"
          className="primary"
          disabled={!selected || preflight.isPending}
          onClick={() => preflight.mutate(selected)}
        >
          {preflight.isPending ? t('setup.checking') : report ? t('setup.checkAgain') : t('setup.check')}
        </button>
        {preflight.error && (
          <p className="banner error" role="alert">
            {describeError(t, preflight.error)}
          </p>
        )}
        {report && <PreflightResults report={report} />}
      </WizardStep>

      <WizardStep
        id="privileges"
        number={2}
        title={t('wizard.privileges')}
        state={!ready ? 'locked' : privileged ? 'done' : 'todo'}
        lockedText={lockedBeforeCheck}
      >
        <PrivilegesStep serverId={selected} />
      </WizardStep>

      <WizardStep
        id="docker"
        number={3}
        title={t('wizard.docker')}
        state={
          !ready ? 'locked' : deployed || (dockerCheck && dockerCheck.status !== 'fail') ? 'done' : 'todo'
        }
        lockedText={lockedBeforeCheck}
      >
        {deployed && !dockerCheck ? (
          <p className="banner success">{t('docker.inUse')}</p>
        ) : (
          <DockerStep
            serverId={selected}
            check={dockerCheck}
            onInstalled={() => preflight.mutate(selected)}
          />
        )}
      </WizardStep>

      <WizardStep
        id="deploy"
        number={4}
        title={t('wizard.deploy')}
        state={
          !ready || (dockerCheck?.status === 'fail' && !deployed) ? 'locked' : deployed ? 'done' : 'todo'
        }
        lockedText={ready ? t('wizard.lockedDocker') : lockedBeforeCheck}
      >
        <DeployPanel serverId={selected} names={names} onNames={setNames} info={info.data} />
      </WizardStep>

      <WizardStep
        id="dns"
        number={5}
        title={t('wizard.dns')}
        state={deployed ? 'todo' : 'locked'}
        lockedText={lockedBeforeDeploy}
      >
        <DnsHandOver
          serverId={selected}
          domain={names.domain}
          mailHost={mailHostOf(names)}
          onOpenDns={onOpenDns}
        />
      </WizardStep>

      <WizardStep
        id="certificate"
        number={6}
        title={t('wizard.certificate')}
        state={deployed ? 'todo' : 'locked'}
        lockedText={lockedBeforeDeploy}
      >
        <CertificatePanel serverId={selected} />
      </WizardStep>

      <WizardStep
        id="mailbox"
        number={7}
        title={t('wizard.mailbox')}
        state={deployed ? 'todo' : 'locked'}
        lockedText={lockedBeforeDeploy}
      >
        <FirstMailboxPanel serverId={selected} domain={names.domain} />
      </WizardStep>
    </section>
  );
}
