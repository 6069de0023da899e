// compare/caption.js — the lesson's caption on the compare page: its server-rendered
// <template id="caption-NAME"> (else its title and caption from the preset), and, once the settings
// differ from the lesson's, a way back to it.
import { h } from './dom.js';

const $ = (id) => document.getElementById(id);

/**
 * lesson: {name, preset} the page was opened with (or null); embed: the embed's options (caption=0:
 * none) or null; onRestore(): "back to the lesson" was clicked. Returns {show(c)}: the caption for the
 * comparison value `c` (its `preset` names the lesson while the settings are the lesson's).
 */
export function createCaption({ lesson, embed = null, onRestore }) {
  $('caption-restore')?.addEventListener('click', () => { if (lesson) onRestore(); });
  return {
    show(c) {
      const box = $('caption');
      if (!lesson || (embed && !embed.caption)) { box.hidden = true; return; }
      const body = $('caption-body');
      if (!body.dataset.lesson) {
        const tpl = document.getElementById(`caption-${lesson.name}`);
        if (tpl instanceof HTMLTemplateElement) body.replaceChildren(tpl.content.cloneNode(true));
        else body.replaceChildren(h('div', { class: 'lesson-text' }, h('h2', { class: 'lesson-title', id: 'lesson-title',
          text: lesson.preset.title }), h('p', { class: 'lesson-caption', text: lesson.preset.caption })));
        body.dataset.lesson = lesson.name;
      }
      if (!embed) {
        $('caption-changed').hidden = c.preset === lesson.name;
        $('cmp-lesson').value = c.preset ?? '';
      }
      box.hidden = false;
    },
  };
}
