/**
 * The words of a desktop alert, in English and French: the monitor sends the English ones in the
 * event, the Electron front-end picks the owner's language for the notification, and the renderer
 * translates from the alert's kind and params with its own dictionaries.
 */
import type { AlertKind } from '../../../shared/status';

export type AlertParams = Record<string, string | number>;
type Texts = Record<AlertKind, (p: AlertParams) => { title: string; body: string }>;

const en: Texts = {
  roleDown: (p) => ({
    title: `${p.server}: mail service down`,
    body: `Not running: ${p.roles}. Open Facteur's Status page to see what to do.`,
  }),
  roleRecovered: (p) => ({ title: `${p.server}: mail service back`, body: 'Every service answers again.' }),
  diskFull: (p) => ({
    title: `${p.server}: disk almost full`,
    body: `The disk is ${p.percent} % full. Free some space before mail is refused.`,
  }),
  diskRecovered: (p) => ({ title: `${p.server}: disk space back`, body: `The disk is ${p.percent} % full.` }),
  certificateExpiring: (p) => ({
    title: `${p.server}: certificate ends soon`,
    body: `The certificate ends in ${p.days} days and was not renewed. Request one again from Facteur.`,
  }),
  certificateRenewed: (p) => ({
    title: `${p.server}: certificate renewed`,
    body: `The certificate is valid for ${p.days} more days.`,
  }),
  blocklisted: (p) => ({
    title: `${p.server}: listed on a blocklist`,
    body: `${p.ip} is listed on ${p.zones}. Mail to many providers will bounce.`,
  }),
  delisted: (p) => ({ title: `${p.server}: off the blocklists`, body: `${p.ip} is no longer listed.` }),
};

const fr: Texts = {
  roleDown: (p) => ({
    title: `${p.server} : service de courrier arrêté`,
    body: `Arrêté : ${p.roles}. Ouvrez la page État de Facteur pour savoir quoi faire.`,
  }),
  roleRecovered: (p) => ({
    title: `${p.server} : service de courrier rétabli`,
    body: 'Tous les services répondent de nouveau.',
  }),
  diskFull: (p) => ({
    title: `${p.server} : disque presque plein`,
    body: `Le disque est plein à ${p.percent} %. Libérez de la place avant que le courrier soit refusé.`,
  }),
  diskRecovered: (p) => ({
    title: `${p.server} : place disque retrouvée`,
    body: `Le disque est plein à ${p.percent} %.`,
  }),
  certificateExpiring: (p) => ({
    title: `${p.server} : le certificat expire bientôt`,
    body: `Le certificat expire dans ${p.days} jours et n’a pas été renouvelé. Redemandez-en un depuis Facteur.`,
  }),
  certificateRenewed: (p) => ({
    title: `${p.server} : certificat renouvelé`,
    body: `Le certificat est valable encore ${p.days} jours.`,
  }),
  blocklisted: (p) => ({
    title: `${p.server} : inscrit sur une liste de blocage`,
    body: `${p.ip} est inscrit sur ${p.zones}. Le courrier vers beaucoup de fournisseurs sera refusé.`,
  }),
  delisted: (p) => ({
    title: `${p.server} : retiré des listes de blocage`,
    body: `${p.ip} n’est plus inscrit.`,
  }),
};

export function alertText(
  kind: AlertKind,
  params: AlertParams,
  language = 'en',
): { title: string; body: string } {
  return (language.toLowerCase().startsWith('fr') ? fr : en)[kind](params);
}
