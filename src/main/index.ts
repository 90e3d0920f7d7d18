/** Electron entry: lifecycle only. The services are built by createApp and know nothing of Electron. */
import { join } from 'node:path';
import { app, BrowserWindow, safeStorage } from 'electron';
import { createApp } from './app';
import { loadConfig } from './config';
import { showAlertNotifications } from './electron/alert-notifications';
import { SafeStorageKeyProvider } from './electron/safe-storage-key';
import { createDispatcher } from './ipc/dispatcher';
import { registerIpc } from './ipc/register-electron';
import { FileKeyProvider } from './services/vault/file-key-provider';
import { appVersion } from './version';
import { hardenSession, hardenWindow } from './window/security';
import { secureWebPreferences } from './window/security-policy';

app.enableSandbox();
let mainWindow: BrowserWindow | undefined;

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Facteur',
    webPreferences: secureWebPreferences(join(__dirname, '../preload/index.js')),
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  hardenWindow(win, devUrl ? new URL(devUrl).origin : 'file://');
  win.once('ready-to-show', () => win.show());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  mainWindow = win;
}

void app.whenReady().then(() => {
  const config = loadConfig(process.env, app.getPath('userData'));
  const keyProvider = safeStorage.isEncryptionAvailable()
    ? new SafeStorageKeyProvider(join(config.dataDir, 'vault.key.sealed'))
    : new FileKeyProvider(join(config.dataDir, 'vault.key'));
  const facteur = createApp({ config, runtime: 'electron', version: appVersion(), keyProvider });
  hardenSession();
  registerIpc(createDispatcher(facteur.handlers), facteur.events, () => mainWindow?.webContents);
  showAlertNotifications(facteur.events, app.getLocale());
  if (config.status.monitor) facteur.monitor.start();
  facteur.autoUpgrades.start();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
