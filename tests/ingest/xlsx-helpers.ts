// Writes .xlsx test inputs with ExcelJS (writing is safe; reading goes through our own reader).
import ExcelJS from 'exceljs';

export async function writeWorkbook(path: string, sheets: Array<{ name: string; rows: unknown[][]; merges?: string[]; hidden?: boolean }>): Promise<void> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, s.hidden ? { state: 'hidden' } : {});
    for (const r of s.rows) ws.addRow(r);
    for (const m of s.merges ?? []) ws.mergeCells(m);
  }
  await wb.xlsx.writeFile(path);
}
