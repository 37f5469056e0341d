// Run by ssr.test.ts in plain Node (no window): imports the package by name and renders on a server,
// as Nuxt or a Vite SSR app would, with the guard on the router.
import { createSSRApp, defineComponent, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'

const before = Object.keys(globalThis).sort()
const { createAuth, createAuthGuard, createLatchkey, useAuth } = await import('@latchkey/vue')

const Account = defineComponent(() => {
  const { status, isLoading, user } = useAuth()
  return () => h('p', `${status.value} ${String(isLoading.value)} ${user.value?.sub ?? 'nobody'}`)
})

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
})
const router = createRouter({
  history: createMemoryHistory(),
  routes: [{ path: '/account', meta: { requiresAuth: true }, component: Account }],
})
router.beforeEach(createAuthGuard())
const app = createSSRApp(RouterView).use(router).use(createLatchkey(auth))
await router.push('/account')
await router.isReady()
const html = await renderToString(app)
const added = Object.keys(globalThis)
  .sort()
  // Vue's own devtools flag, which createSSRApp() sets; anything else would be ours.
  .filter((key) => !before.includes(key) && key !== '__VUE__')
console.log(JSON.stringify({ html, route: router.currentRoute.value.fullPath, added }))
