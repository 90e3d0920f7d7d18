import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './build-api';

contextBridge.exposeInMainWorld('facteur', buildApi(ipcRenderer));
