#include "db/media_database.hpp"

#include <memory>

#include <mysql.h>

namespace rtpe::db {

namespace {

constexpr unsigned kConnectTimeoutSeconds = 2;
constexpr unsigned kReadTimeoutSeconds = 5;

struct MysqlClose {
    void operator()(MYSQL* m) const { mysql_close(m); }
};
struct ResultFree {
    void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

}  // namespace

std::string media_query(const std::string& query, uint64_t id) {
    const auto at = query.find("%llu");
    if (at == std::string::npos)
        return {};
    return query.substr(0, at) + std::to_string(id) + query.substr(at + 4);
}

bool fetch_media(const MediaDatabaseSettings& settings, uint64_t id, std::vector<uint8_t>& out, std::string& error) {
    if (settings.host.empty() || settings.query.empty()) {
        error = "no database configured (--mysql-host, --mysql-query)";
        return false;
    }
    const std::string query = media_query(settings.query, id);
    if (query.empty()) {
        error = "--mysql-query has no %llu for the id";
        return false;
    }
    std::unique_ptr<MYSQL, MysqlClose> db(mysql_init(nullptr));
    if (!db) {
        error = "out of memory";
        return false;
    }
    mysql_optionsv(db.get(), MYSQL_OPT_CONNECT_TIMEOUT, &kConnectTimeoutSeconds);
    mysql_optionsv(db.get(), MYSQL_OPT_READ_TIMEOUT, &kReadTimeoutSeconds);
    mysql_optionsv(db.get(), MYSQL_OPT_WRITE_TIMEOUT, &kReadTimeoutSeconds);
    if (!mysql_real_connect(db.get(), settings.host.c_str(), settings.user.c_str(), settings.password.c_str(), nullptr,
                            static_cast<unsigned>(settings.port), nullptr, 0)) {
        error = std::string("cannot connect: ") + mysql_error(db.get());
        return false;
    }
    if (mysql_real_query(db.get(), query.data(), query.size()) != 0) {
        error = std::string("query failed: ") + mysql_error(db.get());
        return false;
    }
    std::unique_ptr<MYSQL_RES, ResultFree> result(mysql_store_result(db.get()));
    if (!result || mysql_num_fields(result.get()) < 1) {
        error = "the query returned no columns";
        return false;
    }
    MYSQL_ROW row = mysql_fetch_row(result.get());
    const unsigned long* lengths = row ? mysql_fetch_lengths(result.get()) : nullptr;
    if (!row || !row[0] || !lengths) {
        error = "no media with id " + std::to_string(id);
        return false;
    }
    out.assign(reinterpret_cast<const uint8_t*>(row[0]), reinterpret_cast<const uint8_t*>(row[0]) + lengths[0]);
    return true;
}

}  // namespace rtpe::db
