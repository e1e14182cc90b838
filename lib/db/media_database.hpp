#pragma once

// play media's database (--mysql-*): the media file a query returns for an id, from a
// MySQL or MariaDB server through libmariadb. The query names the id with one "%llu" (as
// upstream's --mysql-query does) and returns the file as the first column of its first
// row. Control thread: each fetch connects, queries and disconnects, with short timeouts,
// so a server that is down costs a refusal, never a stuck daemon.

#include <cstdint>
#include <string>
#include <vector>

namespace rtpe::db {

struct MediaDatabaseSettings {
    std::string host;  // empty: no database configured
    int port = 3306;
    std::string user;
    std::string password;
    std::string query;
};

// True with the file's bytes in out; false with what went wrong in error.
bool fetch_media(const MediaDatabaseSettings& settings, uint64_t id, std::vector<uint8_t>& out, std::string& error);

// The query with the id in place of its "%llu"; empty when the query has none.
std::string media_query(const std::string& query, uint64_t id);

}  // namespace rtpe::db
