export * from './limits';
export * from './storyboard';
export * from './tasks';
export * from './users';
export * from './errors';
