// The Vue demo: the example the docs point to for @latchkey/vue with vue-router.
// The demo SPA's stylesheet, shared so the apps look alike.
import '../../spa/src/style.css'
import '../../inspector/layout.css'
import { createLatchkey } from '@latchkey/vue'
import { createApp } from 'vue'
import App from './App.vue'
import { auth } from './auth.js'
import { router } from './router.js'

createApp(App)
  .use(router)
  // On /callback the plugin finishes the sign-in, then hands over where login() started.
  .use(createLatchkey(auth, { onRedirect: (returnTo) => router.replace(returnTo) }))
  .mount('#app')
