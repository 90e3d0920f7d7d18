/**
 * Who the server itself emails its alerts to (its jobs role sends them, so they arrive while this
 * computer is off): read and set through the control API.
 */
import type { ControlAccess } from '../mail/control-access';

interface AlertSettings {
  to: string[];
}

export class AlertEmails {
  constructor(private readonly control: ControlAccess) {}

  get(serverId: string): Promise<AlertSettings> {
    return this.control.with(serverId, async ({ api }) => {
      const { to } = await api.get<AlertSettings>('/v1/alerts');
      return { to };
    });
  }

  set(serverId: string, to: string[]): Promise<AlertSettings> {
    return this.control.with(serverId, async ({ api }) => {
      const saved = await api.put<AlertSettings>('/v1/alerts/settings', { to });
      return { to: saved.to };
    });
  }
}
