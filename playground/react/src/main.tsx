// The React demo: the example the docs point to for @latchkey/react with React Router.
// The demo SPA's stylesheet, shared so the two apps look alike.
import '../../spa/src/style.css'
import '../../inspector/layout.css'
import { FlowInspectorPanel } from '@latchkey/devtools/react'
import { AuthProvider, RequireAuth } from '@latchkey/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter, Link, Route, Routes, useNavigate } from 'react-router'
import { auth, inspector } from './auth.js'
import { Callback } from './Callback.js'
import { Home } from './Home.js'
import { Protected, SignInFallback } from './Protected.js'

function App() {
  const navigate = useNavigate()
  return (
    // On /callback the provider finishes the sign-in, then hands over where login() started.
    <AuthProvider auth={auth} onRedirect={(returnTo) => navigate(returnTo, { replace: true })}>
      <main>
        <h1>
          <Link to="/">Latchkey React demo</Link>
        </h1>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/callback" element={<Callback />} />
          <Route
            path="/protected"
            element={
              <RequireAuth fallback={<SignInFallback />}>
                <Protected />
              </RequireAuth>
            }
          />
        </Routes>
      </main>
      <FlowInspectorPanel inspector={inspector} />
    </AuthProvider>
  )
}

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
)
