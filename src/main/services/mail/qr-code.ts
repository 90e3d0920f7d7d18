/**
 * QR codes as SVG documents, made in main so the renderer bundles no encoder (this file is the only
 * importer of `qrcode`). Error correction M: the code still reads with a scratch or a glare.
 */
import QRCode from 'qrcode';

export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The modules (true = dark) of the code for `text`, row by row: what tests decode. */
export function qrCodeModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return Array.from({ length: modules.size }, (_, y) =>
    Array.from({ length: modules.size }, (_, x) => modules.get(y, x) === 1),
  );
}
