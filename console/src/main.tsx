// The console's entry: mounts the app into the page the server serves at /console/.
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
