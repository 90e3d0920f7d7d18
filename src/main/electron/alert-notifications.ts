/**
 * Turns the health monitor's `alert` events into system notifications, in the owner's language.
 * The only Electron piece of the alerts: the monitor and its events live in services/status.
 */
import { Notification } from 'electron';
import type { EventBus } from '../ipc/events';
import { alertText } from '../services/status/alert-texts';
import type { Alert } from '../../shared/status';

export function showAlertNotifications(events: EventBus, language: string): () => void {
  return events.subscribe((event, payload) => {
    if (event !== 'alert' || !Notification.isSupported()) return;
    const alert = payload as Alert;
    const { title, body } = alertText(alert.kind, alert.params, language);
    new Notification({ title, body }).show();
  });
}
