import { render } from 'preact';
import { App } from './App';
import { location } from './lib/router';
import { loadSession } from './lib/session';
import './styles/tokens.css';
import './styles/app.css';

// After the first client-side navigation, page headings take focus (see PageHeader).
location.subscribe(() => {
  document.body.dataset.navigated = '1';
});

const root = document.getElementById('app')!;
render(<App />, root);
// "Usable": the session is known and the first page has rendered (read by the size/timing scripts).
void loadSession().then(() => requestAnimationFrame(() => performance.mark('medcore:usable')));
