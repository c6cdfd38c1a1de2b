// A holder's wallet taking a credential offer (argv[2]) through OID4VCI's pre-authorized code
// flow with Sphereon's client: metadata, token, proof of a fresh P-256 key, credential.
// Prints {did, credential} as JSON; exits 1 with the client's error otherwise.
import { OpenID4VCIClient } from '@sphereon/oid4vci-client';
import * as jose from 'jose';

const offer = process.argv[2];
const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
const jwk = await jose.exportJWK(publicKey);
const did = 'did:jwk:' + Buffer.from(JSON.stringify(jwk)).toString('base64url');
const kid = `${did}#0`;

try {
  const client = await OpenID4VCIClient.fromURI({ uri: offer, kid, alg: 'ES256',
                                                  retrieveServerMetadata: true });
  await client.acquireAccessToken();
  const response = await client.acquireCredentials({
    credentialTypes: ['VerifiableCredential', 'OpenBadgeCredential'],
    format: 'jwt_vc_json',
    kid,
    alg: 'ES256',
    proofCallbacks: {
      signCallback: async (args) => new jose.SignJWT({ ...args.payload })
        .setProtectedHeader({ ...args.header, alg: 'ES256', kid })
        .sign(privateKey),
    },
  });
  console.log(JSON.stringify({ did, credential: response.credential, version: client.version() }));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
