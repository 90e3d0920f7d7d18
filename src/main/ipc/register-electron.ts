import { ipcMain, type WebContents } from 'electron';
import { eventChannel, ipcChannel, methods } from '../../shared/channels';
import type { Dispatch } from './dispatcher';
import type { EventBus } from './events';

/** Binds every contract method to ipcMain and forwards push events to the window. */
export function registerIpc(
  dispatch: Dispatch,
  events: EventBus,
  target: () => WebContents | undefined,
): () => void {
  for (const method of methods) {
    ipcMain.handle(ipcChannel(method), (_event, request: unknown) => dispatch(method, request));
  }
  const unsubscribe = events.subscribe((event, payload) => target()?.send(eventChannel(event), payload));
  return () => {
    for (const method of methods) ipcMain.removeHandler(ipcChannel(method));
    unsubscribe();
  };
}
