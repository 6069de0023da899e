// serialQueue.js — a page's server calls run one at a time, in order, so a click never races a
// session (or comparison) being swapped. DOM-free.

/** queue(task) runs `task` after every task queued before it; a failure goes to `report` (the
 *  caller's promise still rejects with it) and the queue goes on. */
export function serialQueue(report) {
  let chain = Promise.resolve();
  return (task) => {
    const p = chain.then(task);
    chain = p.catch(report);
    return p;
  };
}
