import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';

export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [theme, setTheme] = useState<ThemeChoice>(
    () => (localStorage.getItem('facteur-theme') as ThemeChoice) || 'system',
  );
  useEffect(() => {
    localStorage.setItem('facteur-theme', theme);
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, setTheme];
}
