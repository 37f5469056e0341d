import { createAuthGuard, createLatchkey } from '@latchkey/vue'
import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import AccountPage from './AccountPage.vue'
import App from './App.vue'
import { auth } from './auth'
import CallbackPage from './CallbackPage.vue'
import HomePage from './HomePage.vue'

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomePage },
    // The plugin completes the sign-in here, then replaces the route with where login() was called.
    { path: '/callback', component: CallbackPage },
    { path: '/account', component: AccountPage, meta: { requiresAuth: true } },
  ],
})
router.beforeEach(createAuthGuard())
createApp(App)
  .use(router)
  .use(createLatchkey(auth, { onRedirect: (returnTo) => router.replace(returnTo) }))
  .mount('#app')
