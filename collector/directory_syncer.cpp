#include "collector/directory_syncer.h"

#include <utility>

#include "common/safe_file.h"

namespace cradle {

DirectorySyncer::DirectorySyncer(UniqueFd directory) : m_directory(std::move(directory)), m_thread([this] { run(); }) {}

DirectorySyncer::~DirectorySyncer() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void DirectorySyncer::request() {
    {
        std::lock_guard lock(m_mutex);
        m_requested = true;
        m_last_failed = false;
    }
    m_changed.notify_all();
}

void DirectorySyncer::retry_failed() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_last_failed) {
            return;
        }
        m_last_failed = false;
        m_requested = true;
    }
    m_changed.notify_all();
}

void DirectorySyncer::wait() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_requested && !m_syncing; });
}

std::vector<Error> DirectorySyncer::take_failures() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_failures, {});
}

void DirectorySyncer::run() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [this] { return m_requested || m_stopping; });
        if (!m_requested) {
            return;  // stopping, nothing left to sync
        }
        m_requested = false;
        m_syncing = true;
        lock.unlock();
        Result<void> synced = sync_directory(m_directory.get());
        lock.lock();
        m_syncing = false;
        if (!synced) {
            m_failures.push_back(synced.error());
        }
        m_last_failed = !synced && !m_requested;
        m_changed.notify_all();
    }
}

}  // namespace cradle
