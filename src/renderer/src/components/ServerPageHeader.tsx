import type { ReactNode } from 'react';

/**
 * The header of a page about one server: its title and intro, and — when Facteur knows more than
 * one server — the list to pick which one the page is about.
 */
export function ServerPageHeader({
  title,
  intro,
  pickerId,
  pickerLabel,
  servers,
  selected,
  onSelect,
}: {
  title: ReactNode;
  intro: ReactNode;
  pickerId: string;
  pickerLabel: string;
  servers: ReadonlyArray<{ id: string; name: string }> | undefined;
  selected: string;
  onSelect: (serverId: string) => void;
}) {
  return (
    <div className="page-header">
      <div>
        <h1 id="page-title">{title}</h1>
        <p className="muted">{intro}</p>
      </div>
      {(servers?.length ?? 0) > 1 && (
        <div className="field">
          <label htmlFor={pickerId}>{pickerLabel}</label>
          <select id={pickerId} value={selected} onChange={(e) => onSelect(e.target.value)}>
            {servers?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
    </div>
  );
}
