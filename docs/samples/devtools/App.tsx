import { FlowInspectorPanel } from '@latchkey/devtools/react'
import { AuthProvider } from '@latchkey/react'
import type { ReactNode } from 'react'
import { auth, inspector } from './auth.js'

export default function App({ children }: { children: ReactNode }) {
  return (
    <AuthProvider auth={auth}>
      {children}
      <FlowInspectorPanel inspector={inspector} />
    </AuthProvider>
  )
}
