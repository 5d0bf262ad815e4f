/* sgp32lab: PKI directories — the project's layout (written and read) and
 * the GSMA SGP.26 test PKI layout (read).  See core/pki/pki.h for the file
 * names.  Private keys are written with mode 0600; an existing PKI is never
 * replaced unless the caller forces it. */
#include "core/pki/pki_internal.h"
#include "core/err.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

static int path_join(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? SGP_ERR_INVAL : SGP_OK;
}

static bool is_euicc_file(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, "euicc-", 6) == 0 && n > 10 &&
	       (strcmp(name + n - 4, ".pem") == 0 || strcmp(name + n - 4, ".key") == 0);
}

/* Write bytes to dir/name through a temporary file and rename(). */
static int write_file(const char *dir, const char *name, const void *data, size_t len,
		      mode_t mode)
{
	char path[4096], tmp[4096];
	const uint8_t *p = data;
	int fd, rc = SGP_OK;

	if (path_join(path, sizeof(path), dir, name) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return SGP_ERR_INVAL;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return SGP_ERR_IO;
	if (fchmod(fd, mode) < 0)
		rc = SGP_ERR_IO;
	while (!rc && len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = SGP_ERR_IO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!rc && fsync(fd) < 0)
		rc = SGP_ERR_IO;
	if (close(fd) < 0 && !rc)
		rc = SGP_ERR_IO;
	if (!rc && rename(tmp, path) < 0)
		rc = SGP_ERR_IO;
	if (rc) {
		LOGP(DPKI, LOGL_ERROR, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

static int write_pair(const char *dir, const char *base, X509 *cert, EVP_PKEY *key)
{
	char name[128];
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int rc = SGP_ERR_CRYPTO;

	if (!bio)
		return SGP_ERR_NOMEM;
	if (!PEM_write_bio_X509(bio, cert))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	snprintf(name, sizeof(name), "%s.pem", base);
	rc = write_file(dir, name, data, (size_t)len, 0644);
	if (rc || !key)
		goto out;
	rc = SGP_ERR_CRYPTO;
	BIO_free(bio);
	bio = BIO_new(BIO_s_secmem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	len = BIO_get_mem_data(bio, &data);
	snprintf(name, sizeof(name), "%s.key", base);
	rc = write_file(dir, name, data, (size_t)len, 0600);
out:
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

/* Does dir hold (part of) a PKI?  With remove_euicc, delete euicc-* files. */
static int scan_dir(const char *dir, bool remove_euicc, bool *found)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	*found = false;
	if (!d)
		return SGP_ERR_IO;
	while ((de = readdir(d))) {
		bool ours = is_euicc_file(de->d_name);

		for (int r = 0; !ours && r < SGP_PKI_ROLE_COUNT; r++) {
			size_t n = strlen(pki_profiles[r].name);

			ours = strncmp(de->d_name, pki_profiles[r].name, n) == 0 &&
			       (!strcmp(de->d_name + n, ".pem") || !strcmp(de->d_name + n, ".key"));
		}
		if (!ours)
			continue;
		*found = true;
		if (remove_euicc && is_euicc_file(de->d_name) &&
		    !path_join(path, sizeof(path), dir, de->d_name))
			unlink(path);
	}
	closedir(d);
	return SGP_OK;
}

int sgp_pki_save(const struct sgp_pki *pki, const char *dir, bool force)
{
	char base[64];
	bool found;
	int rc;

	if (!pki || !dir || !pki->cert[SGP_PKI_ROLE_CI])
		return SGP_ERR_INVAL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		LOGP(DPKI, LOGL_ERROR, "%s: cannot create: %s", dir, strerror(errno));
		return SGP_ERR_IO;
	}
	rc = scan_dir(dir, false, &found);
	if (rc)
		return rc;
	if (found && !force) {
		LOGP(DPKI, LOGL_ERROR, "%s already holds a PKI (force to replace it)", dir);
		return SGP_ERR_EXISTS;
	}
	if (found) {
		rc = scan_dir(dir, true, &found);
		if (rc)
			return rc;
	}
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		if (!pki->cert[r])
			continue;
		rc = write_pair(dir, pki_profiles[r].name, pki->cert[r], pki->key[r]);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < pki->n_euicc; i++) {
		snprintf(base, sizeof(base), "euicc-%s", pki->euicc[i].eid);
		rc = write_pair(dir, base, pki->euicc[i].cert, pki->euicc[i].key);
		if (rc)
			return rc;
	}
	return SGP_OK;
}

/* Load dir/cert_name (+ dir/key_name if given and present). */
static int load_pair(const char *dir, const char *cert_name, const char *key_name,
		     X509 **cert, EVP_PKEY **key)
{
	char path[4096];
	int rc;

	*cert = NULL;
	*key = NULL;
	rc = path_join(path, sizeof(path), dir, cert_name);
	if (!rc)
		rc = sgp_pki_cert_read_file(path, cert);
	if (rc || !key_name)
		return rc;
	rc = path_join(path, sizeof(path), dir, key_name);
	if (!rc)
		rc = sgp_pki_key_read_file(path, key);
	if (rc == SGP_ERR_NOTFOUND)
		return SGP_OK;		/* a certificate without its key */
	if (!rc && X509_check_private_key(*cert, *key) != 1) {
		LOGP(DPKI, LOGL_ERROR, "%s does not belong to %s", key_name, cert_name);
		rc = SGP_ERR_CRYPTO;
	}
	if (rc) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		*cert = NULL;
		*key = NULL;
	}
	ERR_clear_error();
	return rc;
}

static int add_euicc_loaded(struct sgp_pki *pki, const char *name_eid, X509 *cert, EVP_PKEY *key)
{
	char eid[SGP_EID_LEN + 1];
	int rc = sgp_pki_cert_eid(cert, eid);

	if (!rc && name_eid && strcmp(eid, name_eid) != 0) {
		LOGP(DPKI, LOGL_ERROR, "euicc-%s.pem holds the EID %s", name_eid, eid);
		rc = SGP_ERR_PARSE;
	}
	if (!rc)
		rc = pki_add_euicc_owned(pki, eid, cert, key);
	if (rc) {
		X509_free(cert);
		EVP_PKEY_free(key);
	}
	return rc;
}

static int load_project(struct sgp_pki *pki, const char *dir)
{
	char cname[80], kname[80], eid[SGP_EID_LEN + 1];
	struct dirent **list;
	X509 *cert;
	EVP_PKEY *key;
	int rc = SGP_OK, n;

	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		if (r == SGP_PKI_ROLE_EUICC)
			continue;
		snprintf(cname, sizeof(cname), "%s.pem", pki_profiles[r].name);
		snprintf(kname, sizeof(kname), "%s.key", pki_profiles[r].name);
		rc = load_pair(dir, cname, kname, &cert, &key);
		if (rc == SGP_ERR_NOTFOUND && r != SGP_PKI_ROLE_CI)
			continue;
		if (rc)
			return rc;
		pki_set(pki, (enum sgp_pki_role)r, cert, key);
	}
	/* eUICCs in EID order, so that a directory always loads the same way. */
	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return SGP_ERR_IO;
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);

		if (rc || !is_euicc_file(name) || strcmp(name + len - 4, ".pem") ||
		    len - 10 > SGP_EID_LEN)
			continue;
		memcpy(eid, name + 6, len - 10);
		eid[len - 10] = '\0';
		snprintf(cname, sizeof(cname), "euicc-%s.pem", eid);
		snprintf(kname, sizeof(kname), "euicc-%s.key", eid);
		rc = load_pair(dir, cname, kname, &cert, &key);
		if (!rc)
			rc = add_euicc_loaded(pki, eid, cert, key);
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

/* SGP.26 file names without the "NIST"/"BRP" suffix and extension.  Several candidates per role: the
 * SGP.26 releases name the SM-DP+ TLS certificate differently. */
static const struct {
	enum sgp_pki_role role;
	const char *cert[2];
	const char *key;
} sgp26_files[] = {
	{ SGP_PKI_ROLE_CI, { "CertificateIssuer/CERT_CI_ECDSA_" }, "CertificateIssuer/SK_CI_ECDSA_" },
	{ SGP_PKI_ROLE_EUM, { "EUM/CERT_EUM_ECDSA_" }, "EUM/SK_EUM_ECDSA_" },
	{ SGP_PKI_ROLE_EUICC, { "eUICC/CERT_EUICC_ECDSA_" }, "eUICC/SK_EUICC_ECDSA_" },
	{ SGP_PKI_ROLE_DPAUTH, { "DPauth/CERT_S_SM_DPauth_ECDSA_" }, "DPauth/SK_S_SM_DPauth_ECDSA_" },
	{ SGP_PKI_ROLE_DPPB, { "DPpb/CERT_S_SM_DPpb_ECDSA_" }, "DPpb/SK_S_SM_DPpb_ECDSA_" },
	{ SGP_PKI_ROLE_DPTLS, { "DPtls/CERT_S_SM_DP_TLS_", "DPtls/CERT_S_SM_DP_VARO_TLS_" },
	  "DPtls/SK_S_SM_DP_TLS_" },
	{ SGP_PKI_ROLE_DSAUTH, { "DSauth/CERT_S_SM_DSauth_ECDSA_" }, "DSauth/SK_S_SM_DSauth_ECDSA_" },
	{ SGP_PKI_ROLE_DSTLS, { "DStls/CERT_S_SM_DS_TLS_" }, "DStls/SK_S_SM_DS_TLS_" },
};

static int load_sgp26(struct sgp_pki *pki, const char *dir, enum sgp_pki_curve curve)
{
	const char *sfx = curve == SGP_PKI_CURVE_BRP ? "BRP" : "NIST";
	char cname[128], kname[128];
	X509 *cert;
	EVP_PKEY *key;
	int rc;

	for (size_t i = 0; i < sizeof(sgp26_files) / sizeof(sgp26_files[0]); i++) {
		rc = SGP_ERR_NOTFOUND;
		snprintf(kname, sizeof(kname), "%s%s.pem", sgp26_files[i].key, sfx);
		for (int j = 0; j < 2 && sgp26_files[i].cert[j] && rc == SGP_ERR_NOTFOUND; j++) {
			snprintf(cname, sizeof(cname), "%s%s.der", sgp26_files[i].cert[j], sfx);
			rc = load_pair(dir, cname, kname, &cert, &key);
		}
		if (rc == SGP_ERR_NOTFOUND && sgp26_files[i].role != SGP_PKI_ROLE_CI)
			continue;
		if (rc)
			return rc;
		if (sgp26_files[i].role == SGP_PKI_ROLE_EUICC)
			rc = add_euicc_loaded(pki, NULL, cert, key);
		else
			pki_set(pki, sgp26_files[i].role, cert, key);
		if (rc)
			return rc;
	}
	/* Trust the other curve's CI as well, as an eUICC with both would. */
	snprintf(cname, sizeof(cname), "CertificateIssuer/CERT_CI_ECDSA_%s.der",
		 curve == SGP_PKI_CURVE_BRP ? "NIST" : "BRP");
	if (load_pair(dir, cname, NULL, &cert, &key) == SGP_OK) {
		rc = sgp_pki_trust_ci(pki, pki->cert[SGP_PKI_ROLE_CI]);
		if (!rc)
			rc = sgp_pki_trust_ci(pki, cert);
		X509_free(cert);
		return rc;
	}
	return SGP_OK;
}

int sgp_pki_load(const char *dir, enum sgp_pki_curve curve, struct sgp_pki **out)
{
	char path[4096], org[64], prefix[SGP_EID_LEN + 1];
	struct sgp_pki *pki;
	struct stat st;
	int rc;

	*out = NULL;
	if (!dir || path_join(path, sizeof(path), dir, "ci.pem"))
		return SGP_ERR_INVAL;
	pki = pki_alloc(curve);
	if (!pki)
		return SGP_ERR_NOMEM;
	if (stat(path, &st) == 0) {
		rc = load_project(pki, dir);
	} else if (!path_join(path, sizeof(path), dir, "CertificateIssuer") && stat(path, &st) == 0) {
		rc = load_sgp26(pki, dir, curve);
	} else {
		LOGP(DPKI, LOGL_ERROR, "%s: neither a lab PKI (ci.pem) nor an SGP.26 PKI", dir);
		rc = SGP_ERR_NOTFOUND;
	}
	if (rc)
		goto out;
	rc = sgp_pki_trust_ci(pki, pki->cert[SGP_PKI_ROLE_CI]);
	if (rc)
		goto out;
	if (sgp_pki_pubkey_point(X509_get0_pubkey(pki->cert[SGP_PKI_ROLE_CI]), NULL, &pki->curve)) {
		rc = SGP_ERR_UNSUPPORTED;
		goto out;
	}
	if (!pki_name_entry(X509_get_subject_name(pki->cert[SGP_PKI_ROLE_CI]), NID_organizationName,
			    org, sizeof(org)))
		strcpy(pki->org, org);
	if (pki->cert[SGP_PKI_ROLE_EUM] &&
	    !pki_eum_constraints(pki->cert[SGP_PKI_ROLE_EUM], org, sizeof(org), prefix, sizeof(prefix)))
		strcpy(pki->eum_prefix, prefix);
out:
	if (rc)
		sgp_pki_free(pki);
	else
		*out = pki;
	return rc;
}
