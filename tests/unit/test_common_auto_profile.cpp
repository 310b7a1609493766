#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "common/auto_profile.h"
#include "common/profile_name.h"
#include "test_support.h"

using namespace cradle;
using cradle::test::contains;

namespace {

// 2024-03-05 17:08:09 UTC, a Tuesday.
constexpr std::time_t k_when = 1709658489;
const std::string k_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ContainerFacts kubernetes_facts() {
    ContainerFacts facts;
    facts.namespace_name = "shop";
    facts.pod = "web-7d4b9c6f5d-x2k9p";
    facts.container = "nginx";
    facts.hostname = "web-7d4b9c6f5d-x2k9p";
    facts.id = k_id;
    return facts;
}

ContainerFacts id_only() {
    ContainerFacts facts;
    facts.id = k_id;
    return facts;
}

std::string name_of(std::string_view template_text, const ContainerFacts& facts) {
    return auto_profile_name(template_text, facts, k_when).name;
}

// Whatever the inputs, the result is a name the collector accepts as it is.
void check_valid(const AutoProfileName& result) {
    CAPTURE(result.name);
    auto expanded = expand_profile_name(result.name, k_when);
    REQUIRE_MESSAGE(expanded.ok(), expanded.error().message);
    CHECK(*expanded == result.name);
    CHECK(result.name.find('%') == std::string::npos);
}

std::string template_refusal(std::string_view text) {
    auto checked = check_auto_template(text);
    REQUIRE_FALSE(checked.ok());
    CHECK(checked.error().code == EINVAL);
    return checked.error().message;
}

}  // namespace

TEST_CASE("auto_profile: the default template names a Kubernetes container after its workload") {
    const AutoProfileName result = auto_profile_name(k_default_auto_template, kubernetes_facts(), k_when);
    CHECK(result.name == "shop_web_nginx");
    CHECK(result.note.empty());
    check_valid(result);
}

TEST_CASE("auto_profile: the default template falls back to the name, then the hostname, then the id") {
    ContainerFacts facts = id_only();
    facts.name = "web";
    facts.hostname = "0123456789ab";
    CHECK(name_of(k_default_auto_template, facts) == "web");
    facts.name.clear();
    CHECK(name_of(k_default_auto_template, facts) == "0123456789ab");
    facts.hostname.clear();
    CHECK(name_of(k_default_auto_template, facts) == k_id);
    // A Kubernetes container with one of its three facts missing is not named "ns__c".
    facts = kubernetes_facts();
    facts.container.clear();
    CHECK(name_of(k_default_auto_template, facts) == "web-7d4b9c6f5d-x2k9p");
}

TEST_CASE("auto_profile: every field, literals and strftime tokens") {
    ContainerFacts facts = kubernetes_facts();
    facts.name = "docker-name";
    CHECK(name_of("{namespace}", facts) == "shop");
    CHECK(name_of("{pod}", facts) == "web-7d4b9c6f5d-x2k9p");
    CHECK(name_of("{workload}", facts) == "web");
    CHECK(name_of("{container}", facts) == "nginx");
    CHECK(name_of("{name}", facts) == "docker-name");
    CHECK(name_of("{hostname}", facts) == "web-7d4b9c6f5d-x2k9p");
    CHECK(name_of("{id}", facts) == k_id);
    CHECK(name_of("ci-{namespace}.{container}-%Y%m%d", facts) == "ci-shop.nginx-20240305");
    CHECK(name_of("%a%b%s", facts) == "TueMar1709658489");
    CHECK(name_of("fixed", facts) == "fixed");
}

TEST_CASE("auto_profile: the first alternative whose fields are all known is used, else the id") {
    ContainerFacts facts = id_only();
    facts.hostname = "box";
    CHECK(name_of("{pod}|{name}-x|h-{hostname}|{id}", facts) == "h-box");
    CHECK(name_of("{pod}|literal|{id}", facts) == "literal");
    CHECK(name_of("{pod}|{name}", facts) == k_id);
    CHECK(name_of("{pod}", facts) == k_id);
}

TEST_CASE("auto_profile: facts come from containerd's CRI annotations, else CRI-O's") {
    const std::map<std::string, std::string> containerd = {
        {"io.kubernetes.cri.sandbox-namespace", "shop"},
        {"io.kubernetes.cri.sandbox-name", "web-abc"},
        {"io.kubernetes.cri.container-name", "nginx"},
        {"io.kubernetes.pod.namespace", "other"},
    };
    ContainerFacts facts = facts_from_annotations(containerd);
    CHECK(facts.namespace_name == "shop");
    CHECK(facts.pod == "web-abc");
    CHECK(facts.container == "nginx");
    CHECK(facts.name.empty());
    CHECK(facts.hostname.empty());
    CHECK(facts.id.empty());

    const std::map<std::string, std::string> crio = {
        {"io.kubernetes.pod.namespace", "batch"},
        {"io.kubernetes.pod.name", "job-1"},
        {"io.kubernetes.container.name", "worker"},
        {"io.kubernetes.cri.sandbox-name", ""},  // empty counts as absent
    };
    facts = facts_from_annotations(crio);
    CHECK(facts.namespace_name == "batch");
    CHECK(facts.pod == "job-1");
    CHECK(facts.container == "worker");

    facts = facts_from_annotations({{"io.container.manager", "libpod"}});
    CHECK(facts.namespace_name.empty());
    CHECK(facts.pod.empty());
    CHECK(facts.container.empty());
}

TEST_CASE("auto_profile: in a spec CRI-O made, containerd's keys are a pod author's and do not count") {
    // CRI-O copies pod annotations into the spec: these containerd keys came from the pod.
    const std::map<std::string, std::string> spoofed = {
        {"io.container.manager", "cri-o"},
        {"io.kubernetes.cri.sandbox-namespace", "kube-system"},
        {"io.kubernetes.cri.sandbox-name", "coredns-5d78c9869d-abcde"},
        {"io.kubernetes.cri.container-name", "coredns"},
        {"io.kubernetes.cri.container-type", "sandbox"},
        {"io.kubernetes.pod.namespace", "tenant"},
        {"io.kubernetes.pod.name", "app-7c9f8d6b5-xyz12"},
        {"io.kubernetes.container.name", "app"},
        {"io.kubernetes.cri-o.ContainerType", "container"},
    };
    const ContainerFacts facts = facts_from_annotations(spoofed);
    CHECK(facts.namespace_name == "tenant");
    CHECK(facts.pod == "app-7c9f8d6b5-xyz12");
    CHECK(facts.container == "app");
    CHECK_FALSE(is_sandbox_container(spoofed));

    std::map<std::string, std::string> sandbox = spoofed;
    sandbox["io.kubernetes.cri-o.ContainerType"] = "sandbox";
    CHECK(is_sandbox_container(sandbox));
    // Elsewhere containerd's own key still marks a sandbox.
    CHECK(is_sandbox_container({{"io.kubernetes.cri.container-type", "sandbox"}}));
    CHECK(is_sandbox_container({{"io.container.manager", "libpod"}, {"io.kubernetes.cri-o.ContainerType", "sandbox"}}));
}

TEST_CASE("auto_profile: the workload of a pod drops the suffixes Kubernetes generates") {
    // Deployment: ReplicaSet hash, then the pod's random suffix.
    CHECK(workload_of_pod("web-7d4b9c6f5d-x2k9p") == "web");
    CHECK(workload_of_pod("api-server-5c9f8b7d4-qzw8x") == "api-server");
    CHECK(workload_of_pod("web-zzzzzz-bcdfg") == "web");  // a 6-byte hash
    // DaemonSet, Job, bare ReplicaSet: the random suffix alone.
    CHECK(workload_of_pod("node-agent-5xq2z") == "node-agent");
    // The segment before is not a hash: kept ("backend" has vowels, "ab" is too short).
    CHECK(workload_of_pod("my-backend-x2k9p") == "my-backend");
    CHECK(workload_of_pod("ab-x2k9p") == "ab");
    // StatefulSet ordinals.
    CHECK(workload_of_pod("db-0") == "db");
    CHECK(workload_of_pod("kafka-broker-12") == "kafka-broker");
    // Nothing generated: as it is.
    CHECK(workload_of_pod("web") == "web");
    CHECK(workload_of_pod("web-frontend") == "web-frontend");
    CHECK(workload_of_pod("web-x2k9") == "web-x2k9");      // 4 bytes: not a suffix
    CHECK(workload_of_pod("web-x2k9pp") == "web-x2k9pp");  // 6 bytes alone: not a suffix
    CHECK(workload_of_pod("web-abcde") == "web-abcde");    // vowels are not in the alphabet
    CHECK(workload_of_pod("web-X2K9P") == "web-X2K9P");    // nor are capitals
    // Never empty, and never a leading segment removed.
    CHECK(workload_of_pod("x2k9p") == "x2k9p");
    CHECK(workload_of_pod("-x2k9p") == "-x2k9p");
    CHECK(workload_of_pod("12") == "12");
    CHECK(workload_of_pod("web-") == "web-");
    CHECK(workload_of_pod("") == "");
    // Replicas merge.
    CHECK(workload_of_pod("web-7d4b9c6f5d-x2k9p") == workload_of_pod("web-7d4b9c6f5d-bq7lm"));
}

TEST_CASE("auto_profile: bytes not allowed in a name are replaced, and the note says so") {
    ContainerFacts facts = id_only();
    facts.name = "../../etc/passwd";
    AutoProfileName result = auto_profile_name("{name}", facts, k_when);
    CHECK(result.name == "_._.__etc_passwd");
    CHECK(contains(result.note, "replaced by '_'"));
    check_valid(result);

    for (const std::string& hostile :
         std::vector<std::string>{"a\nb", std::string("a\0b", 3), "%n%s%x", "a b\tc", "\x1b[31mred", "caf\xc3\xa9",
                                  "..", ".", "-rf", "a/b", "a..b", "...", "\"quoted\"\\", "{id}"}) {
        CAPTURE(printable_value(hostile));
        facts.name = hostile;
        result = auto_profile_name("{name}", facts, k_when);
        check_valid(result);
        CHECK_FALSE(result.note.empty());
        CHECK(result.name.size() == hostile.size());
    }
    facts.name = "%Y";
    CHECK(name_of("{name}", facts) == "_Y");  // a value is never expanded
    // Joined pieces are checked as a whole: "a." + ".b", and a leading '.' or '-' from a value.
    facts.name = ".b";
    CHECK(name_of("a.{name}", facts) == "a._b");
    CHECK(name_of("{name}", facts) == "_b");
    facts.name = "-x";
    CHECK(name_of("{name}", facts) == "_x");
    // A clean value is left alone and says nothing.
    facts.name = "Web_1.2-x";
    result = auto_profile_name("{name}", facts, k_when);
    CHECK(result.name == "Web_1.2-x");
    CHECK(result.note.empty());
}

TEST_CASE("auto_profile: an empty value is unknown, so the next alternative applies") {
    ContainerFacts facts = id_only();
    facts.name = "";
    facts.hostname = "h";
    CHECK(name_of("{name}|{hostname}", facts) == "h");
    // An empty id cannot come from a runtime, but still gives a name.
    ContainerFacts nothing;
    const AutoProfileName result = auto_profile_name("{id}", nothing, k_when);
    CHECK(result.name == "_");
    check_valid(result);
}

TEST_CASE("auto_profile: an over-long name is cut and ends in a hash of the whole") {
    ContainerFacts facts = id_only();
    facts.name = std::string(300, 'a');
    const AutoProfileName result = auto_profile_name("{name}", facts, k_when);
    CHECK(result.name.size() == k_max_profile_name_length);
    CHECK(result.name.substr(0, 119) == std::string(119, 'a'));
    CHECK(result.name[119] == '-');
    CHECK(result.name.substr(120).find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(contains(result.note, "cut from 300 to 128 bytes"));
    check_valid(result);

    // Names that differ only beyond the cut stay apart; the same name gives the same cut.
    ContainerFacts other = facts;
    other.name.back() = 'b';
    CHECK(name_of("{name}", other) != result.name);
    CHECK(name_of("{name}", other).substr(0, 119) == result.name.substr(0, 119));
    CHECK(name_of("{name}", facts) == result.name);
    facts.name = std::string(129, 'a');
    CHECK(name_of("{name}", facts).size() == 128);
    // Exactly the limit is not cut.
    facts.name = std::string(128, 'a');
    CHECK(name_of("{name}", facts) == facts.name);
    // A Kubernetes id plus long names: a typical cut.
    facts = kubernetes_facts();
    facts.namespace_name = std::string(63, 'n');
    facts.pod = std::string(63, 'p');
    facts.container = std::string(63, 'c');
    check_valid(auto_profile_name(k_default_auto_template, facts, k_when));
}

TEST_CASE("auto_profile: the hash is FNV-1a 32 of the uncut name") {
    ContainerFacts facts = id_only();
    facts.name = std::string(200, 'x');
    // FNV-1a 32 computed independently of the library.
    std::uint32_t hash = 2166136261u;
    for (int i = 0; i < 200; ++i) {
        hash = (hash ^ 'x') * 16777619u;
    }
    char expected[9];
    std::snprintf(expected, sizeof expected, "%08x", hash);
    CHECK(name_of("{name}", facts).substr(120) == expected);
}

TEST_CASE("auto_profile: templates are checked") {
    for (const char* good :
         {"{id}", "a", "{namespace}_{workload}_{container}|{name}|{hostname}|{id}", "x-%Y%m%d", "{pod}|{id}", "%s"}) {
        CAPTURE(good);
        CHECK(check_auto_template(good).ok());
    }
    CHECK(contains(template_refusal(""), "is empty"));
    CHECK(contains(template_refusal("{id}|"), "has an empty alternative"));
    CHECK(contains(template_refusal("|{id}"), "has an empty alternative"));
    CHECK(contains(template_refusal("{id}||x"), "has an empty alternative"));
    CHECK(contains(template_refusal("{nope}"), "has the unknown field {nope}"));
    CHECK(contains(template_refusal("{id"), "has a '{' without its '}'"));
    CHECK(contains(template_refusal("{}"), "has the unknown field {}"));
    CHECK(contains(template_refusal("../{id}"), "contains \"/\""));
    CHECK(contains(template_refusal("a b"), "contains \" \""));
    CHECK(contains(template_refusal("a}"), "contains \"}\""));
    CHECK(contains(template_refusal("x\n"), "contains \"\\x0a\""));
    CHECK(contains(template_refusal("%n"), "%n"));
    CHECK(contains(template_refusal("x%"), "lone '%'"));
    CHECK(contains(template_refusal("%%"), "%%"));
}

TEST_CASE("auto_profile: a template that is not valid falls back to the id, and says so") {
    const AutoProfileName result = auto_profile_name("{nope}", kubernetes_facts(), k_when);
    CHECK(result.name == k_id);
    CHECK(contains(result.note, "named after the container id instead"));
    check_valid(result);
}
