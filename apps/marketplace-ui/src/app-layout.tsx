import { Badge, Button, Container, Group, Text, Title, UnstyledButton } from '@mantine/core';
import { type ReactNode, useEffect } from 'react';
import { NAVIGATION, resolveRoute } from './app-routes.js';
import type { UserView } from './api/api.types.js';
import { useSession } from './auth/session.js';
import { navigate, useLocation } from './router.js';
import { EmptyState } from './ui/query-state.js';

const ROLE_LABEL = { admin: 'Administrator', radiologist: 'Radiologist', vendor: 'Vendor' } as const;

/** Header with the role's own navigation and sign-out, and the page of the current path. */
export function AppLayout({ user }: { user: UserView }) {
  const { path } = useLocation();
  const { signOut } = useSession();
  const nav = NAVIGATION[user.role];
  const resolved = resolveRoute(user.role, path);

  useEffect(() => {
    if (resolved.kind === 'home') navigate(nav[0]!.path, { replace: true });
  }, [resolved.kind, nav]);

  let page: ReactNode = null;
  if (resolved.kind === 'page') page = resolved.node;
  if (resolved.kind === 'refused') page = <EmptyState>This page is not available to your role ({ROLE_LABEL[user.role].toLowerCase()}).</EmptyState>;
  if (resolved.kind === 'unknown') page = <EmptyState>There is no page at {path}.</EmptyState>;

  return (
    <div className="shell">
      <header className="shell-header">
        <Group justify="space-between" wrap="nowrap" className="shell-bar">
          <Group gap="lg" wrap="nowrap">
            <Title order={1} size="h3" className="brand">
              Polyrad
            </Title>
            <nav aria-label="Main">
              <Group gap={4} wrap="nowrap">
                {nav.map((item) => {
                  const current = path === item.path || path.startsWith(`${item.path}/`);
                  return (
                    <UnstyledButton
                      key={item.path}
                      component="a"
                      href={item.path}
                      className={current ? 'nav-link nav-link-current' : 'nav-link'}
                      aria-current={current ? 'page' : undefined}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(item.path);
                      }}
                    >
                      {item.label}
                    </UnstyledButton>
                  );
                })}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" data-testid="signed-in-user">
              {user.username}
            </Text>
            <Badge variant="light">{ROLE_LABEL[user.role]}</Badge>
            <Button variant="default" size="xs" onClick={() => void signOut().then(() => navigate('/'))}>
              Sign out
            </Button>
          </Group>
        </Group>
      </header>
      <Container size="lg" component="main" py="lg">
        {page}
      </Container>
    </div>
  );
}
