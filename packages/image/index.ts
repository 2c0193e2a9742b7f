// @hac/image: the docker-build-push engines. Builds with docker buildx or buildah, tags from the git
// context, registry logins and pushes live inside; tests reach them by path.
export { dockerBuildPushMain, dockerBuildPushPost } from './entry.js';
