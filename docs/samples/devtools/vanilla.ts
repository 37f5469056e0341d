import { auth, inspector } from './auth.js'

// Appends the panel to the element; `remove()` takes it away again.
const remove = inspector.mount(document.body)
await auth.handleRedirect()
document.querySelector('#hide-inspector')?.addEventListener('click', remove)
